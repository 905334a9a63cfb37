"""Weekly demand forecasting for KotaKita (pure: pandas, numpy, xgboost, holidays; no Django).

    from apps.analytics.forecasting import ForecastConfig, fit, forecast

    model = fit(history)                     # history: series, week, demand (weekly, one weekday)
    table = forecast(model, history, 8)      # series, week, horizon, forecast, model, seasonal

Insights on top of it: `growth_insights` (fast-growing categories/sectors with a significance
guard) and `material_needs` (forecast x bill of materials, optionally priced in rupiah).
"""

from .calendars import EventCalendar, EventWindow, HolidayCalendar, IndonesiaCalendar, UnitedStatesCalendar
from .features import ForecastConfig
from .insights import GrowthInsight, growth_insights, latest_prices, material_needs
from .metrics import naive_forecast, seasonal_naive_forecast, wape
from .model import ForecastModel, blend, feature_frame, feature_importance, fit, forecast

__all__ = [
    "EventCalendar",
    "EventWindow",
    "ForecastConfig",
    "ForecastModel",
    "GrowthInsight",
    "HolidayCalendar",
    "IndonesiaCalendar",
    "UnitedStatesCalendar",
    "blend",
    "feature_frame",
    "feature_importance",
    "fit",
    "forecast",
    "growth_insights",
    "latest_prices",
    "material_needs",
    "naive_forecast",
    "seasonal_naive_forecast",
    "wape",
]
