target "default" "x" {
}
