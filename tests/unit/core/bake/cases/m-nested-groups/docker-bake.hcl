group "default" {
  targets = ["g1", "c"]
}
group "g1" {
  targets = ["g2", "a"]
}
group "g2" {
  targets = ["b", "g1"]
}
target "a" {}
target "b" {}
target "c" {}
