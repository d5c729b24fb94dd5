//! What each importable entity's columns can be: the fields, their labels and the header
//! names they are recognised by.

use super::csv::FieldSpec;
use crate::types::{ImportEntity, ImportField};

pub const COMPANY_FIELDS: &[FieldSpec] = &[
    FieldSpec {
        key: "name",
        label: "Name",
        required: true,
        aliases: &[
            "company",
            "company name",
            "organization",
            "organisation",
            "account",
            "firma",
            "account name",
        ],
    },
    FieldSpec {
        key: "domain",
        label: "Domain",
        required: false,
        aliases: &["website domain", "company domain", "url domain"],
    },
    FieldSpec {
        key: "website",
        label: "Website",
        required: false,
        aliases: &["url", "homepage", "web", "site"],
    },
    FieldSpec {
        key: "industry",
        label: "Industry",
        required: false,
        aliases: &["sector", "vertical", "branche"],
    },
    FieldSpec {
        key: "employee_count",
        label: "Employees",
        required: false,
        aliases: &[
            "employees",
            "headcount",
            "staff",
            "size",
            "number of employees",
        ],
    },
    FieldSpec {
        key: "annual_revenue",
        label: "Annual revenue",
        required: false,
        aliases: &["revenue", "annual revenue usd", "arr", "turnover", "umsatz"],
    },
    FieldSpec {
        key: "revenue_currency",
        label: "Revenue currency",
        required: false,
        aliases: &["currency"],
    },
    FieldSpec {
        key: "country",
        label: "Country (ISO code)",
        required: false,
        aliases: &["country code", "hq country", "land"],
    },
    FieldSpec {
        key: "city",
        label: "City",
        required: false,
        aliases: &["hq city", "location", "town", "stadt"],
    },
    FieldSpec {
        key: "description",
        label: "Description",
        required: false,
        aliases: &["about", "notes", "summary"],
    },
    FieldSpec {
        key: "linkedin_url",
        label: "LinkedIn",
        required: false,
        aliases: &["linkedin", "linkedin url", "linkedin page"],
    },
    FieldSpec {
        key: "founded_year",
        label: "Founded",
        required: false,
        aliases: &["founded", "year founded", "founding year"],
    },
    FieldSpec {
        key: "tags",
        label: "Tags",
        required: false,
        aliases: &["labels", "categories", "keywords"],
    },
];

pub const CONTACT_FIELDS: &[FieldSpec] = &[
    FieldSpec {
        key: "name",
        label: "Name",
        required: true,
        aliases: &["full name", "contact", "contact name", "person"],
    },
    FieldSpec {
        key: "email",
        label: "E-mail",
        required: false,
        aliases: &["email address", "e-mail address", "mail"],
    },
    FieldSpec {
        key: "title",
        label: "Title",
        required: false,
        aliases: &["job title", "position", "role"],
    },
    FieldSpec {
        key: "phone",
        label: "Phone",
        required: false,
        aliases: &["phone number", "telephone", "mobile", "tel"],
    },
    FieldSpec {
        key: "linkedin_url",
        label: "LinkedIn",
        required: false,
        aliases: &["linkedin", "linkedin url"],
    },
    FieldSpec {
        key: "company_domain",
        label: "Company domain",
        required: false,
        aliases: &["company", "company website", "domain", "account domain"],
    },
];

pub const DEAL_FIELDS: &[FieldSpec] = &[
    FieldSpec {
        key: "name",
        label: "Deal name",
        required: true,
        aliases: &["deal", "opportunity", "opportunity name", "title"],
    },
    FieldSpec {
        key: "amount",
        label: "Amount",
        required: true,
        aliases: &["value", "deal value", "amount usd", "deal amount"],
    },
    FieldSpec {
        key: "currency",
        label: "Currency",
        required: false,
        aliases: &["currency code"],
    },
    FieldSpec {
        key: "stage",
        label: "Stage",
        required: false,
        aliases: &["deal stage", "status", "phase"],
    },
    FieldSpec {
        key: "probability",
        label: "Probability %",
        required: false,
        aliases: &["probability", "win probability", "likelihood"],
    },
    FieldSpec {
        key: "expected_close",
        label: "Expected close",
        required: false,
        aliases: &["close date", "expected close date", "closing date"],
    },
    FieldSpec {
        key: "company_domain",
        label: "Company domain",
        required: false,
        aliases: &["company", "account", "account domain", "domain"],
    },
    FieldSpec {
        key: "owner_email",
        label: "Owner e-mail",
        required: false,
        aliases: &["owner", "deal owner", "sales rep", "rep"],
    },
];

pub fn fields(entity: ImportEntity) -> &'static [FieldSpec] {
    match entity {
        ImportEntity::Companies => COMPANY_FIELDS,
        ImportEntity::Contacts => CONTACT_FIELDS,
        ImportEntity::Deals => DEAL_FIELDS,
    }
}

pub(super) fn field_infos(entity: ImportEntity) -> Vec<ImportField> {
    fields(entity)
        .iter()
        .map(|f| ImportField {
            key: f.key.to_owned(),
            label: f.label.to_owned(),
            required: f.required,
        })
        .collect()
}
