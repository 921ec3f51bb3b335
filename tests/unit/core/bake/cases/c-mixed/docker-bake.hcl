target "app" {
  args = { FROM_HCL = "1" }
}
target "extra" {
  inherits = ["app"]
}
