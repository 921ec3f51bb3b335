variable "IMAGE" {
  default = "ghcr.io/acme/app"
}

group "default" {
  targets = ["app", "tools"]
}

target "app" {
  context = "../app"
  tags    = ["${IMAGE}-app:bake"]
}

target "tools" {
  context = "tools"
  tags    = ["${IMAGE}-tools:bake"]
}
