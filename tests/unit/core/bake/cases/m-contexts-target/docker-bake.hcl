target "base" {
  dockerfile = "base.Dockerfile"
  output = ["type=registry"]
  platforms = ["linux/amd64", "linux/arm64"]
}
target "mid" {
  contexts = { base = "target:base" }
}
target "app" {
  contexts = { mid = "target:mid", empty = "" }
  platforms = ["linux/amd64"]
}
