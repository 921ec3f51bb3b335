variable "REG" { default = "r" }
target "app" {
  name = "app-${os}-${arch}"
  matrix = {
    os = ["linux", "windows"]
    arch = ["amd64"]
  }
  platforms = ["${os}/${arch}"]
  tags = ["${REG}/app:${os}"]
}
group "all" {
  targets = ["app", "other"]
}
target "other" {
  inherits = ["app-linux-amd64"]
  args = { X = "1" }
}
