"""Wording of the emails and texts, after the carrier's guides (R-NOTE-2)."""

from __future__ import annotations

from dataclasses import dataclass

SIGN_OFF = (
    "If you have any questions regarding this notification, please contact Producer Services toll free "
    "at (888) 313-5526.\n\nNOTE: Any replies to this E-mail will not be received.\n\n"
    "Thank you,\nRetail Producer Portal Customer Service"
)


@dataclass(frozen=True)
class Message:
    template: str
    subject: str
    body: str


def registration_activation(first_name: str, states: list[str]) -> Message:
    """R-AUTH-1: sent when an admin activates a registration."""
    return Message(
        "registration_activation",
        "Retail Producer Portal Registration Activation",
        f"Hello {first_name},\n\nThis notice is to alert you that your registration request has been activated"
        f" ({', '.join(states)}).\n\nYou can now log in to the Retail Producer Portal with the User Name and "
        f"Password that you created during the registration process.\n\n{SIGN_OFF}",
    )


def state_registration_decided(
    first_name: str, state: str, agent_unique_id: str, *, activated: bool, reason: str | None
) -> Message:
    """Issue 15: one state registration activated or rejected, with the carrier's reason."""
    if activated:
        subject = f"Retail Producer Portal Registration Activation - {state}"
        text = (
            f"This notice is to alert you that your registration for {state} (producer number {agent_unique_id}) "
            "has been activated. You can now work with clients in that state in the Retail Producer Portal."
        )
    else:
        subject = f"Retail Producer Portal Registration Not Approved - {state}"
        text = f"Your registration for {state} (producer number {agent_unique_id}) was not approved."
    note = f"\n\nReason: {reason}" if reason else ""
    return Message(
        "state_registration_activated" if activated else "state_registration_rejected",
        subject,
        f"Hello {first_name},\n\n{text}{note}\n\n{SIGN_OFF}",
    )


def usernames_reminder(usernames: list[str]) -> Message:
    """R-AUTH-4 / R-DEL-7: "User Name(s) linked to your email address: jessicacamp"."""
    return Message(
        "forgot_username",
        "Retail Producer Portal User Name Request",
        "Hello! We recently received a request to provide your User Name for Retail Producer Portal - if you "
        "did not request, please call us at the number below.\n\n"
        "Important: please close your web browser and clear your history and cache before you re-attempt "
        f"to log in!\n\nUser Name(s) linked to your email address: {', '.join(usernames)}. You can return to "
        f"RPP now and enter your User Name and password on the Login page.\n\n{SIGN_OFF}",
    )


def temporary_password(password: str, minutes: int) -> Message:
    """R-AUTH-5: "Your temporary password is: gKm5cd"."""
    return Message(
        "password_reset",
        "Retail Producer Portal Password Reset",
        "Hello! We recently received a request to reset your password for Retail Producer Portal - if you did "
        "not request, please call us at the number below.\n\n"
        f"Your temporary password is: {password}. It expires in {minutes} minutes. You can now return to RPP "
        "and:\n1. Enter your User Name and the temporary password above on the Login page.\n"
        "2. Open Edit Profile and go to Change Password.\n"
        '3. Use the temporary password as the "Current Password".\n'
        "4. Enter a New Password - use a combination of 6-9 letters and numbers.\n"
        "5. Confirm New Password by entering it a second time, then Update Password.\n\n" + SIGN_OFF,
    )


def registration_received(first_name: str) -> Message:
    """Acknowledges a registration; activation follows within 1 business day."""
    return Message(
        "registration_received",
        "Retail Producer Portal Registration Received",
        f"Hello {first_name},\n\nThank you, your registration information has been submitted. You will "
        "receive an e-mail confirming your activation within 1 business day.\n\n" + SIGN_OFF,
    )


HELP_DESK = "If you need help, call the Internet Help Desk at 1-888-706-0583."


def delegate_welcome(first_name: str, producer_name: str, username: str, link: str, days: int) -> Message:
    """R-DEL-2: the username and the "Confirm Your Email Address" link (valid 7 days, once)."""
    return Message(
        "delegate_welcome",
        "Producer Experience Portal - Confirm Your Email Address",
        f"Hello {first_name},\n\n{producer_name} added you as a delegate on the Producer Experience Portal.\n\n"
        f"Username: {username}\n\nConfirm Your Email Address: {link}\n\n"
        f"This link is valid for {days} days and can be used once. After confirming, choose Create a Password: "
        f"enter your username, choose email or text, and enter the 8-character code we send you.\n\n{HELP_DESK}",
    )


def delegate_username_reminder(usernames: list[str]) -> Message:
    """R-DEL-7: a delegate's Forgot Username email, in the Producer Experience Portal's words (the PEP guide:
    "Delegate will receive an email with the username ... call the Internet Help Desk at 1-888-706-0583")."""
    return Message(
        "forgot_username",
        "Producer Experience Portal - Username Request",
        "Hello! We recently received a request to provide your username for the Producer Experience Portal - if "
        "you did not request it, call the Internet Help Desk at 1-888-706-0583.\n\n"
        f"Username(s) linked to your email address: {', '.join(usernames)}. You can now return to the Producer "
        "Experience Portal login page and log in with your username and password. Forgot your password? Select "
        "Forgot Password on the login page. The producer who added you can also tell you your username.\n\n"
        f"{HELP_DESK}\n\nNOTE: Any replies to this E-mail will not be received.",
    )


def verification_code(code: str, minutes: int) -> Message:
    """R-DEL-3: "Your verification code is K7Q2M9XA"."""
    return Message(
        "verification_code",
        "Producer Experience Portal - Verification Code",
        f"Your verification code is {code}. It expires in {minutes} minutes and can be used once. "
        f"If you did not ask for it, ignore this message.\n\n{HELP_DESK}",
    )


def verification_code_sms(code: str) -> str:
    return f"Your verification code is {code}"


def password_updated(first_name: str) -> Message:
    """R-DEL-4: the confirmation after each password change."""
    return Message(
        "password_updated",
        "Account Information - Update Password",
        f"Hello {first_name},\n\nThe password for your Producer Experience Portal account was updated. "
        f"If you did not make this change, call the Internet Help Desk at 1-888-706-0583 right away.",
    )


def webhook_endpoint_disabled(first_name: str, url: str, failures: int) -> Message:
    """Issue 17 (R-HOOK-5): a webhook endpoint was disabled after a long run of failed deliveries."""
    return Message(
        "webhook_endpoint_disabled",
        "Retail Producer Portal Webhook Endpoint Disabled",
        f"Hello {first_name},\n\nWe disabled your webhook endpoint {url} after {failures} failed delivery attempts "
        "in a row. No events are sent to it until you enable it again, once it answers again; its delivery log "
        f"shows each attempt and its error.\n\n{SIGN_OFF}",
    )
