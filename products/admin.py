from django.contrib import admin

from products.models import ImportBatch, ImportBatchRow, Product, ProductImage, ProductTranslation


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


class ImportBatchRowInline(admin.TabularInline):
    model = ImportBatchRow
    extra = 0
    fields = ["position", "url", "state", "outcome", "product", "error_code", "message"]
    readonly_fields = fields
    can_delete = False


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["id", "workspace", "source", "state", "total", "done", "failed", "created_at"]
    list_filter = ["source", "state"]
    readonly_fields = ["total", "done", "failed", "finished_at"]
    inlines = [ImportBatchRowInline]


@admin.register(ImportBatchRow)
class ImportBatchRowAdmin(admin.ModelAdmin):
    """Rows across batches: support looks a link up here ("what happened to this URL?")."""

    list_display = ["url", "batch", "state", "outcome", "error_code", "updated_at"]
    list_filter = ["state", "outcome"]
    search_fields = ["url", "batch__id"]
    list_select_related = ["batch"]
    readonly_fields = ["batch", "position", "url", "state", "outcome", "product", "error_code", "message"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ProductTranslation)
class ProductTranslationAdmin(admin.ModelAdmin):
    """Read-only here: translations change through the translation service (its checks on
    figures and names) and the merchant's edits through the API."""

    list_display = ["product", "language", "key", "status", "backend", "updated_at"]
    list_filter = ["language", "status"]
    search_fields = ["product__title", "key", "source"]
    readonly_fields = [field.name for field in ProductTranslation._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
