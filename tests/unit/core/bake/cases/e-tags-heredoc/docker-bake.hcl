target "default" {
  tags = <<EOT
hello
EOT
}
