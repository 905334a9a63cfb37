from typing import Any

from django.db import migrations

ROLES = [
    "lurah",
    "admin_kelurahan",
    "staf_opd",
    "ketua_rt",
    "ketua_rw",
    "pemilik_umkm",
    "warga",
    "kurir",
    "operator_hub",
    "petugas_lembaga_keuangan",
    "integrator",
]


def create_roles(apps: Any, schema_editor: Any) -> None:
    Group = apps.get_model("auth", "Group")
    # Tenant schemas get the tenant roles; the public schema the platform operator's.
    names = ["operator_franchise"] if schema_editor.connection.schema_name == "public" else ROLES
    for name in names:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
