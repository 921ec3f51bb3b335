target "a" {
  tags = [target.b.nope]
}
target "b" {}
