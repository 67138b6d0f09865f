from kuai.engine.read._describe import describe_reading as describe_reading
from kuai.engine.read._encoding import detect_encoding as detect_encoding
from kuai.engine.read._layout import detect_dialect as detect_dialect
from kuai.engine.read._markers import NA_VALUES as NA_VALUES
from kuai.engine.read._markers import SPREADSHEET_ERRORS as SPREADSHEET_ERRORS
from kuai.engine.read._options import ReadingOptions as ReadingOptions
from kuai.engine.read._options import reading_options as reading_options
from kuai.engine.read._reader import Dialect as Dialect
from kuai.engine.read._reader import read_table as read_table
from kuai.engine.read._reader import read_table_for_scoring as read_table_for_scoring
from kuai.engine.read._reader import read_table_with_dialect as read_table_with_dialect
from kuai.engine.read._reader import require_rows as require_rows

__all__ = ["NA_VALUES", "SPREADSHEET_ERRORS", "Dialect", "ReadingOptions", "describe_reading", "detect_dialect",
           "detect_encoding", "read_table", "read_table_for_scoring", "read_table_with_dialect", "reading_options",
           "require_rows"]
