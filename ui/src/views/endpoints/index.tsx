/**
 * The endpoint views of an application: the table (the application's default tab), the create/edit form and the
 * detail page; the test panel opens from the table and the detail page.
 */
export { EndpointDetailView } from "./endpoint-detail";
export { EndpointFormView } from "./endpoint-form";
export { EndpointsView } from "./endpoints-table";
