target {
}
