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
