"""factory_boy factories for KotaKita's main models, each made through the app's services so the
invariants hold (ledger entries, stock rows, audit rows, SLA deadlines). Use them inside a tenant
schema (`with tenant_a:` or an `in_a` fixture); rows roll back with the test.

    from tests.factories import OrderFactory, HubFactory
    hub = HubFactory()
    order = HubOrderFactory(buyer=joko)          # packed, hub delivery, from a shop near the hub
    delivery = DeliveryFactory(order=order)

Sequences make unique names, codes and usernames; faker fields use id_ID. pytest-randomly
reseeds faker and factory_boy per test, so a failing test reproduces with its seed.
"""

from .accounts import ResidencyFactory, RtFactory, RwFactory, UserFactory, person, staff
from .aid_lending import (
    GOOD_FEATURES,
    LenderFactory,
    LoanFactory,
    LoanProductFactory,
    ProgramFactory,
    RecipientFactory,
    kk,
    nik,
)
from .base import unique_key
from .community import ArisanGroupFactory, EventFactory, IuranScheduleFactory, KasRt, kas_rt, resident
from .fulfillment import CourierFactory, DeliveryFactory, HubFactory, HubOrderFactory
from .marketplace import OrderFactory, ShopFactory, VariantFactory
from .payments import MerchantAccountFactory, WalletFactory, fund
from .services_desk import CategoryFactory, PermitFactory, ReportFactory

__all__ = [
    "GOOD_FEATURES",
    "ArisanGroupFactory",
    "CategoryFactory",
    "CourierFactory",
    "DeliveryFactory",
    "EventFactory",
    "HubFactory",
    "HubOrderFactory",
    "IuranScheduleFactory",
    "KasRt",
    "LenderFactory",
    "LoanFactory",
    "LoanProductFactory",
    "MerchantAccountFactory",
    "OrderFactory",
    "PermitFactory",
    "ProgramFactory",
    "RecipientFactory",
    "ReportFactory",
    "ResidencyFactory",
    "RtFactory",
    "RwFactory",
    "ShopFactory",
    "UserFactory",
    "VariantFactory",
    "WalletFactory",
    "fund",
    "kas_rt",
    "kk",
    "nik",
    "person",
    "resident",
    "staff",
    "unique_key",
]
