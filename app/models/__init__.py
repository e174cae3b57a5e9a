"""The data. One module per subject; everything is importable from ``app.models``."""
from app.clock import utcnow
from app.models.assisted import ASSISTED_CHANNELS, IMPORT_CHANNELS, AssistedEntry
from app.models.attachments import ATTACHMENT_KINDS, Attachment
from app.models.budget import (
    PHASES,
    PROJECT_STATUSES,
    REQUIREMENTS,
    BudgetBallot,
    BudgetComplaint,
    BudgetMahalla,
    BudgetPhone,
    BudgetPhoto,
    BudgetProject,
    BudgetResidency,
    BudgetRound,
    BudgetUpdate,
    BudgetVoter,
)
from app.models.core import (
                             DISPOSITIONS,
                             PROPOSAL_STATUSES,
                             RESPONDENT_TYPES,
                             ROLES,
                             STANCES,
                             Agency,
                             Attribution,
                             AuditLog,
                             Clause,
                             ClauseVote,
                             Comment,
                             CommentVersion,
                             DeadlineChange,
                             Disposition,
                             Draft,
                             Proposal,
                             ProposalVote,
                             Revision,
                             SearchOutbox,
                             User,
                             UTCDateTime,
)
from app.models.idempotency import IdempotencyKey
from app.models.messaging import (
    EMAIL_FREQUENCIES,
    JOB_STATES,
    AgencyFollow,
    Announcement,
    ClauseFollow,
    Follow,
    Job,
    MailSettings,
    Notification,
)
from app.models.moderation import REPORT_REASONS, Report, UserBlock
from app.models.positions import Position, PositionSignature

__all__ = ["ASSISTED_CHANNELS", "AssistedEntry", "IMPORT_CHANNELS", "ATTACHMENT_KINDS", "Attachment", "DISPOSITIONS", "PHASES", "PROJECT_STATUSES", "PROPOSAL_STATUSES", "REQUIREMENTS", "RESPONDENT_TYPES",
           "ROLES", "STANCES", "Agency", "Attribution", "AuditLog", "BudgetBallot", "BudgetComplaint", "BudgetMahalla", "BudgetPhone",
           "BudgetPhoto", "BudgetProject", "BudgetResidency", "BudgetRound", "BudgetUpdate", "BudgetVoter", "Clause",
           "ClauseVote", "Comment", "CommentVersion", "DeadlineChange", "Disposition", "Draft", "Follow",
           "IdempotencyKey", "Notification", "Proposal", "ProposalVote", "Revision", "SearchOutbox", "UTCDateTime",
           "User", "utcnow", "EMAIL_FREQUENCIES", "JOB_STATES", "AgencyFollow", "Announcement", "ClauseFollow", "Job",
           "MailSettings", "REPORT_REASONS", "Report", "UserBlock", "Position", "PositionSignature"]
