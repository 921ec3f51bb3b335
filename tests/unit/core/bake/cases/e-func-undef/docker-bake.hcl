target "a" {
  tags = [f(1)]
}
function "f" {
  params = [a]
  result = a + b
}
