//! Demo companies and what hangs off them: their tags, contacts, and competitor links.

use std::collections::{HashMap, HashSet};

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

use super::generator::{insert_batched, insert_only, pick, slug, weighted, Generator};
use super::words::*;
use crate::backend::entity::{companies, company_tags, competitors, contacts};
use crate::backend::Result;
use crate::types::{CompanySource, ThreatLevel};

/// A cap that keeps a 1M-deal benchmark workspace from growing tens of millions of side rows.
const MAX_CONTACTS: usize = 100_000;

/// What later generators need to know about a company.
pub(super) struct Co {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) domain: String,
    pub(super) industry: usize,
    pub(super) employees: i32,
}

impl Generator {
    pub(super) async fn companies(
        &mut self,
        db: &impl ConnectionTrait,
        n: usize,
    ) -> Result<Vec<Co>> {
        let mut names = HashSet::with_capacity(n);
        let mut domains = HashSet::with_capacity(n);
        let mut cos = Vec::with_capacity(n);
        let mut rows = Vec::with_capacity(n);
        let mut tags = Vec::new();
        for i in 0..n {
            let (row, co, my_tags) = self.company(i, &mut names, &mut domains);
            tags.push(my_tags);
            rows.push(row);
            cos.push(co);
        }
        let ids = insert_batched!(db, companies::Entity, rows);
        for (co, id) in cos.iter_mut().zip(&ids) {
            co.id = *id;
        }
        let mut tag_rows = Vec::new();
        for (co, ts) in cos.iter().zip(tags) {
            for tag in ts {
                tag_rows.push(company_tags::ActiveModel {
                    workspace_id: Set(self.ws),
                    company_id: Set(co.id),
                    tag: Set(tag),
                });
            }
        }
        insert_only!(db, company_tags::Entity, tag_rows);
        self.report.companies = cos.len() as u64;
        Ok(cos)
    }

    /// The `i`th company: its row, what later generators need of it, and its tags. `names`
    /// and `domains` keep both unique.
    fn company(
        &mut self,
        i: usize,
        names: &mut HashSet<String>,
        domains: &mut HashSet<String>,
    ) -> (companies::ActiveModel, Co, Vec<String>) {
        let rng = &mut self.rng;
        let industry = weighted(rng, INDUSTRIES, |x| x.1);
        let country = weighted(rng, COUNTRIES, |x| x.1);
        let (cc, _, cities) = COUNTRIES[country];
        let city = *pick(rng, cities);
        let (name, domain) = name_and_domain(rng, i, names, domains);
        // Sizes are long-tailed: most companies are small, a few are very large.
        let employees = 10f64.powf(rng.random_range(1.0..4.6)).round() as i32;
        let revenue_per_head = rng.random_range(90_000..320_000) as i64;
        let revenue = (employees as i64 * revenue_per_head / 1000) * 1000 * 100;
        let founded = rng.random_range(1978..2023);
        let my_tags = tags_for(rng, employees);
        let created = self.random_ago(30.0..730.0);
        let (ind, _, _) = INDUSTRIES[industry];
        let tags = my_tags.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        let row = companies::ActiveModel {
            workspace_id: Set(self.ws),
            name: Set(name.clone()),
            name_key: Set(name.to_lowercase()),
            domain: Set(Some(domain.clone())),
            industry: Set(Some(ind.to_owned())),
            employee_count: Set(Some(employees)),
            annual_revenue_minor: Set(Some(revenue)),
            revenue_currency: Set("USD".into()),
            country: Set(Some(cc.to_owned())),
            city: Set(Some(city.to_owned())),
            description: Set(Some(format!(
                "{name} is a {} company in {city} with about {employees} employees.",
                ind.to_lowercase()
            ))),
            website: Set(Some(format!("https://{domain}"))),
            linkedin_url: Set(Some(format!(
                "https://www.linkedin.com/company/{}",
                slug(&name)
            ))),
            founded_year: Set(Some(founded)),
            tags: Set(my_tags.join(", ")),
            source: Set(CompanySource::Demo),
            external_ids: Set(None),
            enriched_at: Set(None),
            field_sources: Set(None),
            technologies: Set(None),
            funding: Set(None),
            created_at: Set(created),
            updated_at: Set(created),
            ..Default::default()
        };
        let co = Co {
            id: 0,
            name,
            domain,
            industry,
            employees,
        };
        (row, co, tags)
    }

    pub(super) async fn contacts(&mut self, db: &impl ConnectionTrait, cos: &[Co]) -> Result<()> {
        let mut rows = Vec::new();
        // E-mail addresses are unique per workspace.
        let mut emails = HashSet::new();
        'outer: for co in cos {
            for _ in 0..self.rng.random_range(1..=3) {
                if rows.len() >= MAX_CONTACTS {
                    break 'outer;
                }
                let first = *pick(&mut self.rng, FIRST_NAMES);
                let last = *pick(&mut self.rng, LAST_NAMES);
                let name = format!("{first} {last}");
                let mut email = format!("{}.{}@{}", slug(first), slug(last), co.domain);
                if !emails.insert(email.clone()) {
                    email = format!("{}.{}{}@{}", slug(first), slug(last), rows.len(), co.domain);
                    emails.insert(email.clone());
                }
                let created = self.random_ago(1.0..700.0);
                rows.push(contacts::ActiveModel {
                    workspace_id: Set(self.ws),
                    company_id: Set(Some(co.id)),
                    name_key: Set(name.to_lowercase()),
                    email: Set(Some(email)),
                    name: Set(name),
                    title: Set(Some((*pick(&mut self.rng, TITLES)).to_owned())),
                    phone: Set(Some(format!(
                        "+1 555 {:04}",
                        self.rng.random_range(0..10_000)
                    ))),
                    linkedin_url: Set(None),
                    created_at: Set(created),
                    updated_at: Set(created),
                    ..Default::default()
                });
            }
        }
        self.report.contacts = insert_only!(db, contacts::Entity, rows);
        Ok(())
    }

    /// Each company competes with one to three others of its industry, bigger rivals being
    /// the bigger threat.
    pub(super) async fn competitors(
        &mut self,
        db: &impl ConnectionTrait,
        cos: &[Co],
    ) -> Result<()> {
        let mut by_industry: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, co) in cos.iter().enumerate() {
            by_industry.entry(co.industry).or_default().push(i);
        }
        let mut seen = HashSet::new();
        let mut rows = Vec::new();
        for (i, co) in cos.iter().enumerate() {
            let peers = &by_industry[&co.industry];
            if peers.len() < 2 || !self.rng.random_bool(0.7) {
                continue;
            }
            for _ in 0..self.rng.random_range(1..=3) {
                let j = *pick(&mut self.rng, peers);
                if j == i || !seen.insert((i, j)) {
                    continue;
                }
                let ratio = cos[j].employees as f64 / co.employees.max(1) as f64;
                let threat = if ratio > 3.0 {
                    ThreatLevel::High
                } else if ratio > 0.5 {
                    ThreatLevel::Medium
                } else {
                    ThreatLevel::Low
                };
                let created = self.random_ago(1.0..600.0);
                rows.push(competitors::ActiveModel {
                    workspace_id: Set(self.ws),
                    company_id: Set(co.id),
                    competitor_id: Set(cos[j].id),
                    threat_level: Set(threat),
                    notes: Set(Some(format!(
                        "Seen in {} of our last deals in {}.",
                        self.rng.random_range(1..6),
                        INDUSTRIES[co.industry].0.to_lowercase()
                    ))),
                    created_at: Set(created),
                    updated_at: Set(created),
                    ..Default::default()
                });
            }
        }
        self.report.competitors = insert_only!(db, competitors::Entity, rows);
        Ok(())
    }
}

/// An invented company name and its domain, both unique (`names` holds the lower-case names
/// taken, `domains` the domains).
fn name_and_domain(
    rng: &mut ChaCha8Rng,
    i: usize,
    names: &mut HashSet<String>,
    domains: &mut HashSet<String>,
) -> (String, String) {
    let stem = format!("{}{}", pick(rng, NAME_STARTS), pick(rng, NAME_ENDS));
    let suffix = *pick(rng, NAME_SUFFIXES);
    let mut name = if suffix.is_empty() {
        stem.clone()
    } else {
        format!("{stem} {suffix}")
    };
    if !names.insert(name.to_lowercase()) {
        // Past a few thousand companies the invented names run out; a number keeps
        // them apart the way "Acme 2" does in real CRMs.
        name = format!("{name} {}", i + 1);
        names.insert(name.to_lowercase());
    }
    let tld = *pick(rng, TLDS);
    let mut domain = format!("{}.{tld}", slug(&name));
    if !domains.insert(domain.clone()) {
        domain = format!("{}-{}.{tld}", slug(&name), i + 1);
        domains.insert(domain.clone());
    }
    (name, domain)
}

/// Up to two tags, and a size tag when none of them is one.
fn tags_for(rng: &mut ChaCha8Rng, employees: i32) -> Vec<&'static str> {
    let mut my_tags: Vec<&str> = Vec::new();
    for _ in 0..rng.random_range(0..3) {
        let t = *pick(rng, TAGS);
        if !my_tags.contains(&t) {
            my_tags.push(t);
        }
    }
    let size_tag = match employees {
        0..=200 => "smb",
        201..=2000 => "mid-market",
        _ => "enterprise",
    };
    if !my_tags
        .iter()
        .any(|t| ["smb", "mid-market", "enterprise"].contains(t))
    {
        my_tags.push(size_tag);
    }
    my_tags
}
