function "f" {
  params = [a]
}
target "a" {}
