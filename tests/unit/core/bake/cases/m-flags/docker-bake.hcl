target "a" {
  attest = ["type=provenance,mode=min"]
}
