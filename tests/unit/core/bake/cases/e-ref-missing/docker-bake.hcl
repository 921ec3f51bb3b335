target "a" {
  tags = target.nope.tags
}
