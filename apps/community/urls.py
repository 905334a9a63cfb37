"""HTMX pages of apps.community (mounted at /kas/ in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "community"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("rt/<int:rt_id>/", views.book, name="book"),
    path("rt/<int:rt_id>/pemasukan/", views.record_income, name="income"),
    path("rt/<int:rt_id>/pengeluaran/", views.record_expense, name="expense"),
    path("rt/<int:rt_id>/iuran-tunai/", views.iuran_cash, name="iuran_cash"),
    path("rt/<int:rt_id>/jadwal/", views.schedule, name="schedule"),
    path("rt/<int:rt_id>/bebas-iuran/", views.exemption, name="exemption"),
    path("rt/<int:rt_id>/batal/<int:entry_id>/", views.void, name="void"),
    path("rt/<int:rt_id>/bendahara/", views.assign_treasurer, name="assign_treasurer"),
    path("rt/<int:rt_id>/laporan/", views.report_current, name="report_current"),
    path("rt/<int:rt_id>/laporan/<str:month>/", views.report, name="report"),
    path("rt/<int:rt_id>/laporan/<str:month>.pdf", views.report_pdf, name="report_pdf"),
    path("rt/<int:rt_id>/laporan/<str:month>.xlsx", views.report_xlsx, name="report_xlsx"),
    path("bukti/<uuid:public_id>/", views.receipt, name="receipt"),
    path("iuran/bayar/", views.pay_iuran, name="pay_iuran"),
    path("iuran/qris/<uuid:public_id>/", views.iuran_qris, name="iuran_qris"),
    path("arisan/", views.arisan_list, name="arisan_list"),
    path("arisan/<int:pk>/", views.arisan, name="arisan"),
    path("arisan/<int:pk>/anggota/", views.arisan_add_member, name="arisan_add_member"),
    path("arisan/<int:pk>/anggota/<int:member_id>/keluar/", views.arisan_remove_member, name="arisan_remove_member"),
    path("arisan/<int:pk>/komitmen/", views.arisan_commit, name="arisan_commit"),
    path("arisan/<int:pk>/undi/", views.arisan_reveal, name="arisan_reveal"),
    path("arisan/<int:pk>/urutan/", views.arisan_order, name="arisan_order"),
    path("arisan/<int:pk>/verifikasi/", views.arisan_verify, name="arisan_verify"),
    path("arisan/putaran/<int:pk>/setor/", views.arisan_contribute, name="arisan_contribute"),
    path("arisan/putaran/<int:pk>/bayarkan/", views.arisan_payout, name="arisan_payout"),
    path("arisan/putaran/<int:pk>/cara-bayar/", views.arisan_payout_choice, name="arisan_payout_choice"),
    path("arisan/setoran/<uuid:public_id>/qris/", views.contribution_qris, name="contribution_qris"),
]
