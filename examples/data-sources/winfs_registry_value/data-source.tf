data "winfs_registry_value" "product" {
  server = "server1"
  path   = "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"
  name   = "ProductName"
}

output "server1_product" {
  value = data.winfs_registry_value.product.value
}
