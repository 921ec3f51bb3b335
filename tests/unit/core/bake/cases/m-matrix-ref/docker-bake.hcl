target "base" {
  matrix = { v = ["1", "2"] }
  name = "base-${v}"
  args = { V = v }
}
target "app" {
  args = target.base-1.args
  tags = [target.base-2.args.V]
}
