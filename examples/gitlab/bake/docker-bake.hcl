variable "REGISTRY" {
  default = "registry.example.com/acme"
}

group "default" {
  targets = ["app", "tools"]
}

target "app" {
  dockerfile = "app.Dockerfile"
  tags       = ["${REGISTRY}/app:latest"]
}

target "tools" {
  dockerfile = "tools.Dockerfile"
  tags       = ["${REGISTRY}/tools:latest"]
}
