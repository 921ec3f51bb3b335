target "default" {
  context = "."
  tags = ["a"

