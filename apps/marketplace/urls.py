"""HTMX pages of apps.marketplace (mounted at /pasar/ in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver, path

from . import checkout_views, seller_views, views

app_name = "marketplace"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("produk/<int:pk>/", views.product_page, name="product"),
    path("produk/<int:pk>/ubah/", views.product_edit, name="product_edit"),
    path("toko/", views.my_shops, name="my_shops"),
    path("toko/baru/", views.shop_new, name="shop_new"),
    path("toko/<slug:slug>/", views.shop_page, name="shop"),
    path("toko/<slug:slug>/ubah/", views.shop_edit, name="shop_edit"),
    path("toko/<slug:slug>/produk/baru/", views.product_new, name="product_new"),
    path("toko/<slug:slug>/pesanan/", seller_views.shop_orders, name="shop_orders"),
    path("toko/<slug:slug>/pesanan/<uuid:public_id>/aksi/", seller_views.shop_order_action, name="shop_order_action"),
    path("toko/<slug:slug>/impor/", views.import_upload, name="import"),
    path("toko/<slug:slug>/impor/<uuid:batch>/", views.import_preview, name="import_preview"),
    path("toko/<slug:slug>/ekspor/<str:what>.<str:fmt>", views.export, name="export"),
    path("toko/<slug:slug>/pencairan/", views.payout_report, name="payout"),
    path("keranjang/", views.cart, name="cart"),
    path("keranjang/tambah/", views.cart_add, name="cart_add"),
    path("keranjang/ubah/", views.cart_update, name="cart_update"),
    path("checkout/", checkout_views.checkout, name="checkout"),
    path("checkout/ongkir/", checkout_views.checkout_quote, name="checkout_quote"),
    path("checkout/pesan/", checkout_views.place, name="place"),
    path("pesanan/", views.my_orders, name="orders"),
    path("pesanan/<uuid:public_id>/", views.order_page, name="order"),
    path("pesanan/<uuid:public_id>/bayar/", views.order_pay, name="order_pay"),
    path("pesanan/<uuid:public_id>/aksi/", views.order_action, name="order_action"),
    path("pesanan/<uuid:public_id>/ulasan/", views.order_review, name="order_review"),
    path("pendapatan/", views.revenue, name="revenue"),
]
