target "default" {
  tags = 1 + 1
}
