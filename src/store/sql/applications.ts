import type { Store } from "../store.js";
import type { SqlContext } from "./context.js";
import { classifyingErrors } from "./driver-errors.js";
import { keyset, toPage } from "./pagination.js";
import { applicationFromRow, applicationToRow } from "./rows.js";

export type ApplicationOperations = Pick<
  Store,
  "createApplication" | "getApplication" | "listApplications" | "updateApplication" | "deleteApplication"
>;

export function applicationOperations({ db }: SqlContext): ApplicationOperations {
  return {
    async createApplication(app) {
      await classifyingErrors(() => db.insertInto("applications").values(applicationToRow(app)).execute());
    },

    async getApplication(idOrUid) {
      const row = await db
        .selectFrom("applications")
        .selectAll()
        // Each branch repeats `deleted_at IS NULL` so that SQLite can use the partial uid index for it.
        .where((eb) =>
          eb.or([
            eb.and([eb("id", "=", idOrUid), eb("deleted_at", "is", null)]),
            eb.and([eb("uid", "=", idOrUid), eb("deleted_at", "is", null)]),
          ]),
        )
        .executeTakeFirst();
      return row ? applicationFromRow(row) : null;
    },

    async listApplications(page) {
      const { comparison, direction, fetch } = keyset(page);
      let query = db.selectFrom("applications").selectAll().where("deleted_at", "is", null);
      if (page.cursor !== null) query = query.where("id", comparison, page.cursor);
      const rows = await query.orderBy("id", direction).limit(fetch).execute();
      return toPage(rows, page, applicationFromRow);
    },

    async updateApplication(app) {
      const { id: _id, created_at: _createdAt, deleted_at: _deletedAt, ...fields } = applicationToRow(app);
      await classifyingErrors(() =>
        db
          .updateTable("applications")
          .set(fields)
          .where("id", "=", app.id)
          .where("deleted_at", "is", null)
          .execute(),
      );
    },

    async deleteApplication(id, now) {
      await db
        .updateTable("applications")
        .set({ deleted_at: now, updated_at: now })
        .where("id", "=", id)
        .where("deleted_at", "is", null)
        .execute();
    },
  };
}
