target "default" {
  tags = [upper()]
}
