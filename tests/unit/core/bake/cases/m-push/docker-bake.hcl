target "a" {
  output = ["type=image,name=x", "type=local,dest=o"]
}
target "b" {}
