target "default" {
  context = "abc
}
