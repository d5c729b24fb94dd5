//! `/w/{slug}/deals`: deals of one pipeline as a board (drag a card, or use its "Move to"
//! menu) or as a table. Moves show at once and roll back, with a message, if the server
//! refuses them.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use super::company::stage_tone;
use super::workspace::{role_now, use_role, use_slug};
use crate::api::deals::{deal_board, list_deals, list_pipelines, MoveDeal};
use crate::components::form::{Alert, AlertKind};
use crate::components::format;
use crate::components::icons::{Icon, PLUS};
use crate::components::list::{
    href_with, options_html, use_list_query, FilterChips, FilterSelect, Pager, SearchBox,
    SortHeader,
};
use crate::components::ui::{button_class, use_hydrated, Badge, Skeleton};
use crate::types::{BoardColumn, Deal, ListQuery, Money, Pipeline, Role};

const FILTERS: &[&str] = &[
    "status",
    "owner",
    "company",
    "min_amount",
    "max_amount",
    "close_after",
    "close_before",
];

/// Everything the deals page shows for one URL, loaded by one resource so the server and
/// the browser create the same resources in the same order (nested resources created
/// inside a loaded view do not hydrate reliably).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DealsView {
    pipelines: Vec<Pipeline>,
    pipeline: Option<Pipeline>,
    board: Vec<BoardColumn>,
    table: Option<crate::types::Page<Deal>>,
}

async fn load(
    slug: String,
    pipeline: Option<i64>,
    mut q: ListQuery,
    table: bool,
) -> Result<DealsView, crate::types::ApiError> {
    let pipelines = list_pipelines(slug.clone()).await?;
    let chosen = pipeline.or_else(|| pipelines.first().map(|p| p.id));
    let current = pipelines.iter().find(|p| Some(p.id) == chosen).cloned();
    let Some(p) = current.clone() else {
        return Ok(DealsView {
            pipelines,
            pipeline: None,
            board: vec![],
            table: None,
        });
    };
    if table {
        q.filters.insert("pipeline".into(), p.id.to_string());
        let page = list_deals(slug, q).await?;
        Ok(DealsView {
            pipelines,
            pipeline: current,
            board: vec![],
            table: Some(page),
        })
    } else {
        let board = deal_board(slug, p.id, q, Some(25)).await?;
        Ok(DealsView {
            pipelines,
            pipeline: current,
            board,
            table: None,
        })
    }
}

#[component]
pub fn DealsPage() -> impl IntoView {
    let slug = use_slug();
    let role = use_role();
    let can_write = move || role.get().is_some_and(|r| r >= Role::Member);
    let query_map = use_query_map();
    let query = use_list_query(FILTERS, "-updated");
    let is_table = Memo::new(move |_| query_map.read().get("view").as_deref() == Some("table"));
    let pipeline_param = Memo::new(move |_| {
        query_map
            .read()
            .get("pipeline")
            .and_then(|p| p.parse::<i64>().ok())
    });
    let data = Resource::new(
        move || {
            (
                slug.get(),
                pipeline_param.get(),
                query.get(),
                is_table.get(),
            )
        },
        |(s, p, q, t)| load(s, p, q, t),
    );
    let view_mode = move || if is_table.get() { "table" } else { "board" };

    view! {
        <Title text="Deals" />
        <div class="mb-6 flex flex-wrap items-end justify-between gap-4">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight text-zinc-900 dark:text-white">"Deals"</h1>
                <p class="mt-1 text-sm text-zinc-500 dark:text-zinc-400">"Every deal of a pipeline, by stage."</p>
            </div>
            <div class="flex items-center gap-2">
                <div class="flex rounded-lg bg-zinc-100 p-0.5 text-sm dark:bg-zinc-800" role="group" aria-label="View">
                    {["board", "table"].into_iter().map(|v| view! {
                        // Plain links: the router's <A> would mark both current (same path).
                        <a href=move || href_with(&[("view", Some(v.to_owned()))])
                            aria-current=move || (view_mode() == v).then_some("page")
                            class="rounded-md px-3 py-1 font-medium capitalize text-zinc-600 aria-[current=page]:bg-white aria-[current=page]:text-zinc-900 aria-[current=page]:shadow-sm dark:text-zinc-300 dark:aria-[current=page]:bg-zinc-950 dark:aria-[current=page]:text-white">
                            {v}
                        </a>
                    }).collect_view()}
                </div>
                <a href=move || super::companies::export_href(&slug.get(), "deals") class=button_class(false) download="">"Export CSV"</a>
                <Show when=can_write>
                    <A href=move || format!("/w/{}/import?entity=deals", slug.get()) attr:class=button_class(false)>"Import CSV"</A>
                    <A href=move || format!("/w/{}/deals/new", slug.get()) attr:class=button_class(true)><Icon d=PLUS class="size-4" />"New deal"</A>
                </Show>
            </div>
        </div>
        <div class="mb-4 flex flex-wrap items-center gap-3">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let v = data.await.ok();
                    let options: Vec<(String, String)> = v.as_ref().map(|v| v.pipelines.iter().map(|p| (p.id.to_string(), p.name.clone())).collect()).unwrap_or_default();
                    let current = v.and_then(|v| v.pipeline).map(|p| p.id).unwrap_or_default();
                    view! { <PipelinePicker options current /> }
                })}
            </Transition>
            <SearchBox placeholder="Search deals" />
            <FilterSelect label="Statuses" name="status" options=vec![("open".into(), "Open".into()), ("won".into(), "Won".into()), ("lost".into(), "Lost".into())] />
        </div>
        <div class="mb-3"><FilterChips labels=vec![("status", "Status".into()), ("owner", "Owner".into()), ("company", "Company".into()), ("q", "Search".into())] /></div>
        <Board data />
    }
}

#[component]
fn PipelinePicker(options: Vec<(String, String)>, current: i64) -> impl IntoView {
    let navigate = leptos_router::hooks::use_navigate();
    view! {
        <select
            aria-label="Pipeline"
            data-testid="pipeline-picker"
            class="rounded-lg border-0 bg-white py-1.5 pl-3 pr-8 text-sm font-medium text-zinc-800 shadow-sm ring-1 ring-inset ring-zinc-300 dark:bg-zinc-900 dark:text-zinc-100 dark:ring-zinc-700"
            on:change=move |ev| navigate(&href_with(&[("pipeline", Some(event_target_value(&ev)))]), Default::default())
            inner_html=options_html(options, &current.to_string())
        ></select>
    }
}

/// Removes a deal from its column and adds it to `to`, adjusting counts and totals — the
/// optimistic picture until the server answers.
pub fn move_in_board(columns: &[BoardColumn], deal_id: i64, to: i64) -> Option<Vec<BoardColumn>> {
    let mut cols = columns.to_vec();
    let from = cols
        .iter()
        .position(|c| c.deals.iter().any(|d| d.id == deal_id))?;
    let target = cols.iter().position(|c| c.stage.id == to)?;
    if from == target {
        return None;
    }
    let idx = cols[from].deals.iter().position(|d| d.id == deal_id)?;
    let mut deal = cols[from].deals.remove(idx);
    cols[from].count = cols[from].count.saturating_sub(1);
    adjust(&mut cols[from].total, deal.amount, -1);
    deal.stage_id = cols[target].stage.id;
    deal.stage_name = cols[target].stage.name.clone();
    deal.stage_kind = cols[target].stage.kind;
    deal.probability = cols[target].stage.default_probability;
    cols[target].count += 1;
    adjust(&mut cols[target].total, deal.amount, 1);
    cols[target].deals.insert(0, deal);
    Some(cols)
}

fn adjust(totals: &mut Vec<Money>, amount: Money, sign: i64) {
    match totals.iter_mut().find(|m| m.currency == amount.currency) {
        Some(m) => m.minor += sign * amount.minor,
        None if sign > 0 => totals.push(amount),
        None => {}
    }
}

#[component]
fn Board(data: Resource<Result<DealsView, crate::types::ApiError>>) -> impl IntoView {
    let slug = use_slug();
    let session = crate::components::session::use_session().0;
    let mover = ServerAction::<MoveDeal>::new();
    // The board as shown while a move is in flight; None shows the server's board.
    let optimistic = RwSignal::new(None::<Vec<BoardColumn>>);
    let failure = RwSignal::new(None::<String>);
    let moving = RwSignal::new(None::<(String, String)>);
    Effect::new(move |_| match mover.value().get() {
        Some(Ok(_)) => data.refetch(),
        Some(Err(e)) => {
            optimistic.set(None);
            let (deal, stage) = moving.get_untracked().unwrap_or_default();
            failure.set(Some(format!(
                "“{deal}” could not be moved: {}. It is back in {stage}.",
                e.message
            )));
        }
        None => {}
    });
    // Once the server's board has caught up, it is the picture again.
    Effect::new(move |_| {
        if data.get().is_some() && !mover.pending().get() {
            optimistic.set(None);
        }
    });
    let do_move = move |current: Vec<BoardColumn>, deal_id: i64, to: i64| {
        let Some(next) = move_in_board(&current, deal_id, to) else {
            return;
        };
        let from_stage = current
            .iter()
            .find(|c| c.deals.iter().any(|d| d.id == deal_id))
            .map(|c| c.stage.name.clone())
            .unwrap_or_default();
        let deal_name = current
            .iter()
            .flat_map(|c| c.deals.iter())
            .find(|d| d.id == deal_id)
            .map(|d| d.name.clone())
            .unwrap_or_default();
        moving.set(Some((deal_name, from_stage)));
        failure.set(None);
        optimistic.set(Some(next));
        mover.dispatch(MoveDeal {
            workspace: slug.get_untracked(),
            id: deal_id,
            stage_id: to,
        });
    };
    // Owned here, not inside the Suspend below: values made there are disposed when the
    // data reloads, while the old board's closures may still be notified once.
    let columns = Signal::derive(move || {
        optimistic.get().unwrap_or_else(|| {
            data.get()
                .and_then(|r| r.ok())
                .map(|v| v.board)
                .unwrap_or_default()
        })
    });
    view! {
        {move || failure.get().map(|m| view! { <div class="mb-3" data-testid="move-error"><Alert kind=AlertKind::Error>{m}</Alert></div> })}
        <Transition fallback=|| view! { <Skeleton class="h-64 w-full" /> }>
            {move || Suspend::new(async move {
                let v = match data.await {
                    Ok(v) => v,
                    Err(e) => return view! { <Alert kind=AlertKind::Error>{e.message}</Alert> }.into_any(),
                };
                if v.pipeline.is_none() {
                    return view! { <crate::components::ui::Card class="p-8 text-center text-sm text-zinc-500">"No such pipeline in this workspace."</crate::components::ui::Card> }.into_any();
                }
                if let Some(page) = v.table {
                    return view! { <DealTable page /> }.into_any();
                }
                let write = role_now(session, slug).await.is_some_and(|r| r >= Role::Member);
                view! {
                    <div class="flex gap-4 overflow-x-auto pb-4" data-testid="board">
                        {move || columns.get().into_iter().map(|col| view! { <Column col all=columns can_write=write on_move=do_move /> }).collect_view()}
                    </div>
                }.into_any()
            })}
        </Transition>
    }
}

#[component]
fn Column(
    col: BoardColumn,
    all: Signal<Vec<BoardColumn>>,
    can_write: bool,
    on_move: impl Fn(Vec<BoardColumn>, i64, i64) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let stage_id = col.stage.id;
    let over = RwSignal::new(false);
    let drop_move = on_move.clone();
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        over.set(false);
        let id = ev
            .data_transfer()
            .and_then(|dt| dt.get_data("text/plain").ok())
            .and_then(|s| s.parse::<i64>().ok());
        if let Some(id) = id {
            drop_move(all.get_untracked(), id, stage_id);
        }
    };
    let more = col.count.saturating_sub(col.deals.len() as u64);
    let stages: Vec<(i64, String)> = all
        .get_untracked()
        .iter()
        .map(|c| (c.stage.id, c.stage.name.clone()))
        .collect();
    view! {
        <section
            class="flex w-72 shrink-0 flex-col rounded-xl bg-zinc-100/70 p-2 data-[over=true]:ring-2 data-[over=true]:ring-brand-500 dark:bg-zinc-900/60"
            data-over=move || over.get().to_string()
            data-testid=format!("column-{}", col.stage.name)
            aria-label=format!("{} stage", col.stage.name)
            on:dragover=move |ev: leptos::ev::DragEvent| { if can_write { ev.prevent_default(); over.set(true); } }
            on:dragleave=move |_| over.set(false)
            on:drop=on_drop
        >
            <header class="mb-2 px-2 pt-1">
                <div class="flex items-center justify-between">
                    <h2 class="text-sm font-semibold text-zinc-800 dark:text-zinc-100">{col.stage.name.clone()}</h2>
                    <span class="rounded-full bg-white px-2 text-xs font-medium text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300" data-testid="column-count">{format::count(col.count)}</span>
                </div>
                <p class="mt-0.5 text-xs text-zinc-500" data-testid="column-total">
                    {format!("{} · weighted {}", format::money_list(&col.total), format::money_list(&col.weighted))}
                </p>
            </header>
            <ul class="flex min-h-16 flex-col gap-2">
                {col.deals.into_iter().map(|d| view! { <DealCard d stages=stages.clone() can_write on_move=on_move.clone() all /> }).collect_view()}
            </ul>
            {(more > 0).then(|| view! { <p class="px-2 pt-2 text-xs text-zinc-500">{format!("and {} more — use the table to see all", format::count(more))}</p> })}
        </section>
    }
}

#[component]
fn DealCard(
    d: Deal,
    stages: Vec<(i64, String)>,
    can_write: bool,
    on_move: impl Fn(Vec<BoardColumn>, i64, i64) + Clone + Send + Sync + 'static,
    all: Signal<Vec<BoardColumn>>,
) -> impl IntoView {
    let slug = use_slug();
    let live = use_hydrated();
    let id = d.id;
    let now = chrono::Utc::now();
    let move_label = format!("Move {} to", d.name);
    let (name, company, amount, entered, href, stage_id) = (
        d.name.clone(),
        d.company_name.clone().unwrap_or_default(),
        d.amount.format_compact(),
        format::relative(d.stage_entered_at, now).replace(" ago", ""),
        format!("/w/{}/deals/{}/edit", slug.get_untracked(), d.id),
        d.stage_id,
    );
    let data_deal = name.clone();
    view! {
        <li
            class="group rounded-lg border border-zinc-200 bg-white p-3 shadow-sm hover:border-brand-300 dark:border-zinc-800 dark:bg-zinc-950"
            draggable=if can_write { "true" } else { "false" }
            data-testid="deal-card"
            data-deal=data_deal
            on:dragstart=move |ev: leptos::ev::DragEvent| {
                if let Some(dt) = ev.data_transfer() {
                    let _ = dt.set_data("text/plain", &id.to_string());
                    dt.set_effect_allowed("move");
                }
            }
        >
            <A href=href attr:class="block">
                <p class="text-sm font-medium text-zinc-900 dark:text-zinc-100">{name}</p>
                // An empty string renders no text node on the server, which hydration then
                // fails to find: leave the paragraph out instead.
                {(!company.is_empty()).then(|| view! { <p class="text-xs text-zinc-500">{company}</p> })}
            </A>
            <div class="mt-2 flex items-center justify-between text-xs">
                <span class="font-semibold tabular-nums text-zinc-800 dark:text-zinc-200">{amount}</span>
                <span class="text-zinc-500" title="Time in this stage">{entered}</span>
            </div>
            {can_write.then(|| view! {
                <label class="mt-2 block">
                    <span class="sr-only">{move_label.clone()}</span>
                    <select
                        class="w-full rounded border-0 bg-zinc-50 py-1 pl-2 text-xs text-zinc-600 ring-1 ring-inset ring-zinc-200 dark:bg-zinc-900 dark:text-zinc-300 dark:ring-zinc-700"
                        data-testid="move-select"
                        disabled=move || !live.get()
                        on:change=move |ev| {
                            if let Ok(to) = event_target_value(&ev).parse::<i64>() {
                                on_move(all.get_untracked(), id, to);
                            }
                        }
                    >
                        {stages.iter().map(|(sid, name)| view! { <option value=sid.to_string() selected=*sid == stage_id>{format!("Move to {name}")}</option> }).collect_view()}
                    </select>
                </label>
            })}
        </li>
    }
}

#[component]
fn DealTable(page: crate::types::Page<Deal>) -> impl IntoView {
    let slug = use_slug();
    let (p, per, total, exact) = (page.page, page.per_page, page.total, page.total_exact);
    view! {
        <crate::components::ui::Card class="overflow-x-auto">
            <table class="w-full text-left text-sm" data-testid="deals-table">
                <thead class="border-b border-zinc-200 text-xs uppercase tracking-wide text-zinc-500 dark:border-zinc-800">
                    <tr>
                        <SortHeader label="Deal" key="name" />
                        <SortHeader label="Stage" key="stage" />
                        <SortHeader label="Amount" key="amount" class="text-right" />
                        <SortHeader label="Probability" key="probability" class="hidden text-right md:table-cell" />
                        <SortHeader label="Expected close" key="close" class="hidden md:table-cell" />
                        <th class="hidden px-4 py-3 lg:table-cell">"Owner"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-zinc-100 dark:divide-zinc-800">
                    {page.items.into_iter().map(|d| view! {
                        <tr class="hover:bg-zinc-50 dark:hover:bg-zinc-800/50">
                            <td class="px-4 py-3">
                                <A href=format!("/w/{}/deals/{}/edit", slug.get_untracked(), d.id) attr:class="font-medium text-zinc-900 dark:text-zinc-100">{d.name.clone()}</A>
                                <span class="block text-xs text-zinc-500">{d.company_name.clone()}</span>
                            </td>
                            <td class="px-4 py-3"><Badge tone=stage_tone(d.stage_kind) text=d.stage_name.clone() /></td>
                            <td class="px-4 py-3 text-right tabular-nums">{d.amount.format()}</td>
                            <td class="hidden px-4 py-3 text-right tabular-nums md:table-cell">{format!("{}%", d.probability)}</td>
                            <td class="hidden px-4 py-3 text-zinc-500 md:table-cell">{d.expected_close.map(format::day).unwrap_or_else(|| "—".into())}</td>
                            <td class="hidden px-4 py-3 text-zinc-500 lg:table-cell">{d.owner_name.clone().unwrap_or_else(|| "—".into())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            {(total == 0).then(|| view! { <p class="px-4 py-10 text-center text-sm text-zinc-500">"No deals match."</p> })}
        </crate::components::ui::Card>
        <Pager page=p per_page=per total exact />
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Currency, Stage, StageKind};
    use chrono::Utc;

    fn deal(id: i64, stage: i64, minor: i64) -> Deal {
        Deal {
            id,
            pipeline_id: 1,
            stage_id: stage,
            stage_name: String::new(),
            stage_kind: StageKind::Open,
            company_id: None,
            company_name: None,
            name: format!("d{id}"),
            amount: Money::new(minor, Currency::USD),
            probability: 10,
            expected_close: None,
            closed_at: None,
            owner_id: None,
            owner_name: None,
            stage_entered_at: Utc::now(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn column(id: i64, deals: Vec<Deal>) -> BoardColumn {
        let total = deals.iter().map(|d| d.amount.minor).sum();
        BoardColumn {
            stage: Stage {
                id,
                pipeline_id: 1,
                name: format!("s{id}"),
                position: id as i32,
                default_probability: id as i32 * 10,
                kind: StageKind::Open,
            },
            count: deals.len() as u64,
            total: vec![Money::new(total, Currency::USD)],
            weighted: vec![],
            deals,
        }
    }

    #[test]
    fn optimistic_move_updates_counts_and_totals() {
        let cols = vec![
            column(1, vec![deal(7, 1, 500), deal(8, 1, 100)]),
            column(2, vec![]),
        ];
        let moved = move_in_board(&cols, 7, 2).unwrap();
        assert_eq!((moved[0].count, moved[0].total[0].minor), (1, 100));
        assert_eq!((moved[1].count, moved[1].total[0].minor), (1, 500));
        assert_eq!(moved[1].deals[0].probability, 20);
        assert!(
            move_in_board(&cols, 7, 1).is_none(),
            "same column is no move"
        );
        assert!(move_in_board(&cols, 99, 2).is_none());
    }
}
