"""The statements a producer (and through them the client) agrees to on the application, word for word as the
carrier's enrollment guide shows them (pep-ifm-enrollment-guide: Authorization, Terms and Agreements,
Acknowledgments, Proxy Information, Signatures). The application PDF prints the ones agreed to, so the PDF is the
signed record the authorization tells the producer to keep (issue 14).
"""

from __future__ import annotations

from collections.abc import Mapping

# R-ENR-6: the producer's attestation, by the authorization chosen in the applicant section.
AUTHORIZATION: Mapping[str, str] = {
    "paper_application": (
        "I confirm/attest that my client has completed and signed a paper application, and as the producer of "
        "record, I will be completing and submitting the application on their behalf. I will keep a record of the "
        "paper application for a minimum of two years from submit date."
    ),
    "in_person": (
        "I confirm/attest that I am assisting my client in person. That all the terms, agreements, acknowledgements "
        "and authorizations displayed on paper application have been presented and communicated to my client."
    ),
}

# R-ENR-6 (b): what the client accepts when the producer assists in person (`terms_accepted`).
TERMS_AND_AGREEMENTS = (
    'By clicking "I Agree" below, you signify that: You understand and accept the Blue Cross and Blue Shield of '
    "Illinois (BCBSIL) general website Terms of Use and Privacy Statement. Accepting these terms does not obligate "
    "you to complete or submit your application for insurance. If you do not understand or accept these terms or "
    "the Terms of Use and Privacy Statement, you will not be able to continue with this online application process."
)

ACKNOWLEDGMENTS_HEADING = "BY COMPLETING AND SIGNING THIS FORM, I UNDERSTAND AND AGREE TO THE FOLLOWING:"
ACKNOWLEDGMENTS: tuple[str, ...] = (
    (
        "This Application is not coverage. Coverage will not begin until (1) the effective date of the plan "
        "and (2) the first month's payment is made. Some exceptions apply during a Special Enrollment Period."
        " Check with your agent or Customer Service."
    ),
    ("If I am an agent, they cannot accept bids or change the policy or rules of BCBSIL."),
    (
        "If an agent was helping me purchase an individual or family health or dental plan, BCBSIL may pay "
        "the agent a commission and/or other payment. If I want more detail about any payment to the agent, I"
        " should ask the agent."
    ),
    (
        "If any person knowingly submits a false claim for payment of a loss or benefit or falsely misstates "
        "an important fact on this Application, coverage may be rescinded. This includes false claims or "
        "facts about me or any of my dependents. Rescission sends the claim back to the first day coverage "
        "becomes effective. I will be given at least 30 days' written notice before my coverage or that of my"
        " dependents is rescinded."
    ),
    (
        "My monthly premium will be calculated using factors approved by the state's department of insurance "
        "and other applicable state and federal laws and regulations. Rates are calculated based on age and "
        "geographic rating factors. These factors are also used to calculate premiums for any dependents "
        "covered on my policy."
    ),
    (
        "I authorize any of the following people or organizations to share my health information with BCBSIL "
        "or their authorized representative: Health professionals, hospitals, or clinics; Other health or "
        "health-related facilities; Government agencies; Pharmacy benefit managers, (health)pharmacies, or "
        "retail stores; Any other persons or firms required by law."
    ),
    (
        "This information may include: Copies of records about advice, care or treatment that were given to "
        "me and/or my dependents; Information about the prescription and use of drugs or alcohol; Information"
        " about mental fitness."
    ),
    ("BCBSIL may review and research its own records for information."),
    ("BCBSIL will share collected information only as needed with medical entities to help manage my care."),
    (
        "Information shared with my authorization may be received by BCBSIL, or shared or required by law. If"
        " such sharing is required, the person or agency getting the information will be responsible for "
        "protecting it."
    ),
    ("This authorization is valid for two years from today, or until I cancel coverage."),
    ("I have the right to cancel the authorization of any time, in writing, by contacting BCBSIL."),
    ("If I request a substance to represent me will receive a copy of this authorization upon request."),
    (
        "Any cancellation will not affect the activities of BCBSIL before the date such cancellation is "
        "received by BCBSIL."
    ),
    (
        "I present my statements and answers on this Application as FACTS. To the best of my knowledge and "
        "belief, they are true and complete. These facts are the basis of my Application."
    ),
    ("This application will become a part of the contract between BCBSIL and me."),
    (
        "My agent (if I have one) and I confirm that I have read and understood the application and reviewed "
        "the details of the plan I chose."
    ),
    ("The individual or family plan is meant to be paid as my personal expense."),
    ("Only I or a family member, or an allowed third party as defined in the Application, will pay BCBSIL directly."),
    (
        "BCBSIL does not accept payments directly from third parties except from those listed in the Third "
        "Party Payment Notice section below."
    ),
    (
        "If those rules are broken, any payments made by a third party will not be credited to my account or "
        "coverage. Those payments may not be refunded to me. This may result in the cancellation of my "
        "coverage for nonpayment."
    ),
)

FRAUD_WARNING = (
    "WARNING: ANY PERSON WHO KNOWINGLY AND WITH INTENT TO INJURE, DEFAULT OR DECEIVE ANY INSURER, MAKES ANY CLAIM "
    "FOR THE PROCEEDS OF A HEALTH PLAN CONTAINING ANY FALSE, INCOMPLETE OR MISLEADING INFORMATION MAY BE FOUND "
    "GUILTY OF A FELONY IN A COURT OF LAW."
)

ACKNOWLEDGMENTS_AGREEMENT = "I agree to the terms and conditions outlined above."

# R-ENR-10: the attestation in place of a dental plan when an applicant is under 19.
PEDIATRIC_DENTAL_ATTESTATION = (
    "I/we already have coverage for pediatric dental essential health benefits through another policy."
)

# R-ENR-12: the optional proxy checkbox (`proxy_agreed`).
PROXY_STATEMENT = "I agree to the Proxy Statement."

# R-ENR-13: the signatures step.
AUTHORIZED_REPRESENTATIVE = (
    "I am an authorized representative filling out this application on behalf of the primary applicant."
)
PARENT_GUARDIAN = "Parent/Legal Guardian of the child-only applicant (under 18)."
CONSUMER_CHOICE_DISCLOSURE = "I agree to the Consumer Choice Disclosure."
