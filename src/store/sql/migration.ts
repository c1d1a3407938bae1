/** One numbered schema change. Applied in list order, once, recorded in `herald_migrations`. Never edit one that shipped. */
export interface Migration {
  id: string;
  sql: string;
}
