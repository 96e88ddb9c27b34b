provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, {
      Project   = var.name
      Stack     = "database"
      ManagedBy = "terraform"
    })
  }
}
