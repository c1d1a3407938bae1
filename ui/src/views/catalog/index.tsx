export { CatalogView } from "./catalog-view";
