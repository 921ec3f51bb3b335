target "default" {
  args = {
    a = "x"

