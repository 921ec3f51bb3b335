target "default" {
  tags = ["${[1]}"]
}
