from django.contrib import admin

from products.models import Product, ProductImage


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ["position", "file", "cutout", "width", "height", "plain_background", "on_model", "source_url"]
    readonly_fields = ["width", "height", "plain_background", "source_url"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["title", "workspace", "vertical", "price", "currency", "status", "fetched_with", "created_at"]
    list_filter = ["status", "vertical", "fetched_with"]
    search_fields = ["title", "brand", "sku", "source_url"]
    inlines = [ProductImageInline]


@admin.register(ProductImage)
class ProductImageAdmin(admin.ModelAdmin):
    list_display = ["product", "position", "width", "height", "plain_background", "on_model"]
    list_filter = ["plain_background", "on_model"]
