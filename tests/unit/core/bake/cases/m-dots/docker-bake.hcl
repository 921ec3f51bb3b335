target "a_b" {
  tags = ["x"]
}
