target "default" {
  context = ["a"]
}
