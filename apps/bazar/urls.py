from django.urls import path

from . import organiser_views, views

app_name = "bazar"

urlpatterns = [
    path("", views.index, name="index"),
    path("voucher/", views.my_vouchers, name="vouchers"),
    path("voucher/tukar/", views.redeem, name="redeem"),
    # The organiser's pages (lurah and kelurahan staff).
    path("kelola/", organiser_views.manage_list, name="manage_list"),
    path("kelola/baru/", organiser_views.create, name="create"),
    path("kelola/<slug:slug>/", organiser_views.manage, name="manage"),
    path("kelola/<slug:slug>/ubah/", organiser_views.edit, name="edit"),
    path("kelola/<slug:slug>/lapak/", organiser_views.add_stall, name="add_stall"),
    path("kelola/<slug:slug>/lapak/<int:pk>/pindah/", organiser_views.move_stall, name="move_stall"),
    path("kelola/<slug:slug>/lapak/<int:pk>/lepas/", organiser_views.release_stall, name="release_stall"),
    path("kelola/<slug:slug>/umumkan/", organiser_views.publish, name="publish"),
    path("kelola/<slug:slug>/tutup/", organiser_views.close, name="close"),
    path("kelola/<slug:slug>/laporan.csv", organiser_views.report_csv, name="report_csv"),
    # The shop owner's page: join a bazar, the stall, its promotion.
    path("toko/", organiser_views.shop_page, name="shop"),
    path("lapak/<int:pk>/promo/", organiser_views.promotion, name="promotion"),
    path("lapak/<int:pk>/batal/", organiser_views.leave, name="leave"),
    path("<slug:slug>/", views.landing, name="landing"),
    path("<slug:slug>/ikut/", organiser_views.join, name="join"),
    path("<slug:slug>/laporan/", views.report, name="report"),
]
