target "default" {
  matrix = "x"
}
