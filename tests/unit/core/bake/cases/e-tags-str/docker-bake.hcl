target "default" {
  tags = "notalist"
}
