from django.urls import path

from products.api import translations, views

urlpatterns = [
    path("products/", views.ProductCollectionApi.as_view(), name="products"),
    path("products/batch/", views.ImportBatchCreateApi.as_view(), name="product-batch"),
    path("products/batches/<uuid:batch_id>/", views.ImportBatchDetailApi.as_view(), name="product-batch-detail"),
    path("products/<uuid:product_id>/", views.ProductDetailApi.as_view(), name="product-detail"),
    path("products/<uuid:product_id>/rescrape/", views.ProductRescrapeApi.as_view(), name="product-rescrape"),
    path("products/<uuid:product_id>/price/confirm/", views.ProductPriceConfirmApi.as_view(),
         name="product-price-confirm"),
    path("products/<uuid:product_id>/translations/<str:language>/", translations.ProductTranslationsApi.as_view(),
         name="product-translations"),
    path("products/<uuid:product_id>/translations/<str:language>/translate/",
         translations.ProductTranslationsTranslateApi.as_view(), name="product-translations-translate"),
]
