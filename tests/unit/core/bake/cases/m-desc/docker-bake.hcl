group "default" {
  description = "the group"
  targets = ["a"]
}
target "a" {
  description = "the target"
  dockerfile-inline = "FROM scratch"
  shm-size = "2g"
  network = "none"
}
