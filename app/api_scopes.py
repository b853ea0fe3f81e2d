"""The one table of what an API key may call (issue 17): every route of the app, by method and path template.

A route that needs a signed-in caller and is not in this table is refused to keys (fail closed);
tests/api/test_api_keys.py walks the app's routes and fails when one is missing here, or is marked public while it
needs a caller. Add a new route here with the scope it needs, or `FORBIDDEN` when only a person may call it.
"""

from __future__ import annotations

from app.domain.api_keys import KeyAccess, RouteAccess, Scope

ANY_KEY = KeyAccess.any_key
FORBIDDEN = KeyAccess.forbidden
PUBLIC = KeyAccess.public

V1 = "/api/v1"

ROUTE_SCOPES: dict[tuple[str, str], RouteAccess] = {
    # Operations and documentation: no sign-in
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,  # its own bearer token (PORTAL_METRICS_TOKEN), never a principal
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/docs/errors"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    # Sign-in and recovery: people only
    ("POST", f"{V1}/auth/token"): PUBLIC,
    ("POST", f"{V1}/auth/refresh"): PUBLIC,
    ("POST", f"{V1}/auth/logout"): FORBIDDEN,
    ("POST", f"{V1}/auth/forgot-username"): PUBLIC,
    ("POST", f"{V1}/auth/password-resets"): PUBLIC,
    ("POST", f"{V1}/auth/mfa/send"): PUBLIC,
    ("POST", f"{V1}/auth/mfa/verify"): PUBLIC,
    ("POST", f"{V1}/auth/email-verifications"): PUBLIC,
    ("POST", f"{V1}/auth/otp"): PUBLIC,
    ("POST", f"{V1}/auth/password"): PUBLIC,
    ("POST", f"{V1}/registrations"): PUBLIC,
    # The profile: a key may ask whose it is, never change the profile or the password
    ("GET", f"{V1}/me"): ANY_KEY,
    ("PATCH", f"{V1}/me"): FORBIDDEN,
    ("PUT", f"{V1}/me/password"): FORBIDDEN,
    ("POST", f"{V1}/me/state-registrations"): FORBIDDEN,
    # Delegates and API keys: managed by the producer in person
    ("POST", f"{V1}/delegates"): FORBIDDEN,
    ("GET", f"{V1}/delegates"): FORBIDDEN,
    ("GET", f"{V1}/delegates/{{delegate_id}}"): FORBIDDEN,
    ("DELETE", f"{V1}/delegates/{{delegate_id}}"): FORBIDDEN,
    ("POST", f"{V1}/api-keys"): FORBIDDEN,
    ("GET", f"{V1}/api-keys"): FORBIDDEN,
    ("GET", f"{V1}/api-keys/{{key_id}}"): FORBIDDEN,
    ("DELETE", f"{V1}/api-keys/{{key_id}}"): FORBIDDEN,
    # Webhook endpoints (issue 17): a platform may register and manage its own endpoint
    ("POST", f"{V1}/webhook-endpoints"): Scope.webhooks_write,
    ("GET", f"{V1}/webhook-endpoints"): Scope.webhooks_read,
    ("GET", f"{V1}/webhook-endpoints/{{endpoint_id}}"): Scope.webhooks_read,
    ("PATCH", f"{V1}/webhook-endpoints/{{endpoint_id}}"): Scope.webhooks_write,
    ("DELETE", f"{V1}/webhook-endpoints/{{endpoint_id}}"): Scope.webhooks_write,
    ("GET", f"{V1}/webhook-endpoints/{{endpoint_id}}/deliveries"): Scope.webhooks_read,
    ("POST", f"{V1}/webhook-endpoints/{{endpoint_id}}/deliveries/{{delivery_id}}/redeliver"): Scope.webhooks_write,
    # Members
    ("GET", f"{V1}/members"): Scope.members_read,
    ("GET", f"{V1}/members/{{account_number}}"): Scope.members_read,
    ("GET", f"{V1}/members/{{account_number}}/members/{{member_id}}/pcp-history"): Scope.members_read,
    ("POST", f"{V1}/members/{{account_number}}/contact-info-changes"): Scope.servicing_write,
    # Prospects
    ("POST", f"{V1}/prospects"): Scope.prospects_write,
    ("GET", f"{V1}/prospects"): Scope.prospects_read,
    ("POST", f"{V1}/prospects/bulk-delete"): Scope.prospects_write,
    ("GET", f"{V1}/prospects/export"): Scope.prospects_read,
    ("GET", f"{V1}/prospects/print"): Scope.prospects_read,
    ("GET", f"{V1}/prospects/{{prospect_id}}"): Scope.prospects_read,
    ("PATCH", f"{V1}/prospects/{{prospect_id}}"): Scope.prospects_write,
    ("DELETE", f"{V1}/prospects/{{prospect_id}}"): Scope.prospects_write,
    # Reference data (no personal data): any key
    ("GET", f"{V1}/counties"): ANY_KEY,
    ("GET", f"{V1}/option-lists"): ANY_KEY,
    ("GET", f"{V1}/plans"): ANY_KEY,
    ("GET", f"{V1}/document-types"): ANY_KEY,
    ("GET", f"{V1}/providers"): ANY_KEY,
    ("GET", f"{V1}/pcp-change-reasons"): ANY_KEY,
    # Quotes and applications
    ("POST", f"{V1}/quotes"): Scope.enrollments_write,
    ("GET", f"{V1}/quotes"): Scope.enrollments_read,
    ("GET", f"{V1}/quotes/{{quote_id}}"): Scope.enrollments_read,
    ("GET", f"{V1}/quotes/{{quote_id}}/plans"): Scope.enrollments_read,
    ("PUT", f"{V1}/quotes/{{quote_id}}/selection"): Scope.enrollments_write,
    ("POST", f"{V1}/quotes/{{quote_id}}/enrollments"): Scope.enrollments_write,
    ("POST", f"{V1}/enrollments"): Scope.enrollments_write,
    ("GET", f"{V1}/enrollments"): Scope.enrollments_read,
    ("GET", f"{V1}/enrollments/{{application_id}}"): Scope.enrollments_read,
    ("DELETE", f"{V1}/enrollments/{{application_id}}"): Scope.enrollments_write,
    ("PUT", f"{V1}/enrollments/{{application_id}}/{{section}}"): Scope.enrollments_write,
    ("POST", f"{V1}/enrollments/{{application_id}}/effective-date"): Scope.enrollments_write,
    ("POST", f"{V1}/enrollments/{{application_id}}/submit"): Scope.enrollments_write,
    ("GET", f"{V1}/enrollments/{{application_id}}/pdf"): Scope.enrollments_read,
    # Payments
    ("POST", f"{V1}/enrollments/{{application_id}}/payments"): Scope.payments_write,
    ("GET", f"{V1}/payments/{{payment_id}}"): Scope.payments_read,
    ("POST", f"{V1}/payments/{{payment_id}}/submit"): Scope.payments_write,
    ("POST", f"{V1}/payments/{{payment_id}}/cancel"): Scope.payments_write,
    # Servicing: documents, e-questions, ID cards, PCP changes
    ("POST", f"{V1}/documents"): Scope.servicing_write,
    ("GET", f"{V1}/documents"): Scope.servicing_read,
    ("DELETE", f"{V1}/documents/{{tracking_number}}"): Scope.servicing_write,
    ("POST", f"{V1}/e-questions"): Scope.servicing_write,
    ("GET", f"{V1}/e-questions"): Scope.servicing_read,
    ("GET", f"{V1}/e-questions/{{question_id}}"): Scope.servicing_read,
    ("DELETE", f"{V1}/e-questions/{{question_id}}"): Scope.servicing_write,
    ("POST", f"{V1}/id-card-requests"): Scope.servicing_write,
    ("GET", f"{V1}/id-card-requests"): Scope.servicing_read,
    ("GET", f"{V1}/id-card-requests/{{request_id}}"): Scope.servicing_read,
    ("GET", f"{V1}/id-card-requests/{{request_id}}/pdf"): Scope.servicing_read,
    ("POST", f"{V1}/pcp-changes"): Scope.servicing_write,
    ("GET", f"{V1}/pcp-changes"): Scope.servicing_read,
    ("GET", f"{V1}/pcp-changes/{{change_id}}"): Scope.servicing_read,
    # Reports
    ("GET", f"{V1}/reports/policy_status"): Scope.reports_read,
    ("GET", f"{V1}/reports/{{report_type}}"): Scope.reports_read,
    ("POST", f"{V1}/saved-reports"): Scope.reports_write,
    ("GET", f"{V1}/saved-reports"): Scope.reports_read,
    ("GET", f"{V1}/saved-reports/{{report_id}}"): Scope.reports_read,
    ("DELETE", f"{V1}/saved-reports/{{report_id}}"): Scope.reports_write,
    ("GET", f"{V1}/saved-reports/{{report_id}}/run"): Scope.reports_read,
    # Carrier staff: never a key
    ("GET", f"{V1}/admin/e-questions"): FORBIDDEN,
    ("POST", f"{V1}/admin/e-questions/{{question_id}}/response"): FORBIDDEN,
    ("GET", f"{V1}/admin/registrations"): FORBIDDEN,
    ("POST", f"{V1}/admin/registrations/{{registration_id}}/activate"): FORBIDDEN,
    ("POST", f"{V1}/admin/registrations/{{registration_id}}/state-registrations/{{state_registration_id}}/decision"): (
        FORBIDDEN
    ),
    ("GET", f"{V1}/admin/users"): FORBIDDEN,
    ("POST", f"{V1}/admin/users/{{user_id}}/unlock"): FORBIDDEN,
    ("GET", f"{V1}/admin/outbox"): FORBIDDEN,
    ("GET", f"{V1}/admin/audit-events"): FORBIDDEN,
    ("POST", f"{V1}/admin/applications/{{application_id}}/decision"): FORBIDDEN,
}


def required_access(method: str, path_template: str) -> RouteAccess | None:
    """What a key needs for this route; None when the route is in no table (refused to keys: fail closed)."""
    found = ROUTE_SCOPES.get((method, path_template))
    if found is None:
        return None
    # A public route never takes a key as its caller; keys never reach admin routes, whatever the table says.
    if found is KeyAccess.public or path_template.startswith(f"{V1}/admin/"):
        return KeyAccess.forbidden
    return found
