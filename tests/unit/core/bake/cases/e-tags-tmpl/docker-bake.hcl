target "default" {
  tags = "a${"x"}"
}
