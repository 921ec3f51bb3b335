target "default" {
  tags = upper("x")
}
