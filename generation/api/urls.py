from django.urls import path

from generation.api import views

urlpatterns = [
    path("templates/", views.TemplateListApi.as_view(), name="templates"),
    path("ads/", views.AdCollectionApi.as_view(), name="ads"),
    path("ads/quote/", views.AdQuoteApi.as_view(), name="ad-quote"),
    path("ads/<uuid:ad_id>/", views.AdDetailApi.as_view(), name="ad-detail"),
    path("ads/<uuid:ad_id>/script/", views.AdScriptUpdateApi.as_view(), name="ad-script"),
    path("ads/<uuid:ad_id>/render/", views.AdRenderApi.as_view(), name="ad-render"),
    path("jobs/<uuid:job_id>/", views.JobDetailApi.as_view(), name="job-detail"),
    path("jobs/<uuid:job_id>/cancel/", views.JobCancelApi.as_view(), name="job-cancel"),
]
