target "default" {
  args = { a = [1] }
}
