target "a" {
  args = { SOURCE_DATE_EPOCH = "1" }
}
target "b" {}
