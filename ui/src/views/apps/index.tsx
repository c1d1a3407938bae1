export { AppListView } from "./app-list-view";
